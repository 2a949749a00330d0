-- A recipient the MTA delivers locally is left alone even in an SMTPsec domain.
dofile(dir .. "/common.lua")
local conn = send{ id = "LOCAL1", rcpts = { {"<l@sec.test>", "local"}, {"<v@sec.test>", "virtual"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<l@sec.test>") and not mt.eom_check(conn, MT_RCPTDELETE, "<v@sec.test>"), "no recipient deleted")
check(queued("LOCAL1") == nil, "nothing queued")
mt.disconnect(conn)
