-- A From domain without a signing identity: left to SMTP.
dofile(dir .. "/common.lua")
local conn = send{ id = "NOID1", from = "<c@c.test>", rcpts = { {"<x@sec.test>", "smtp"} },
                   headers = { {"From", "c@c.test"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x@sec.test kept")
check(queued("NOID1") == nil, "nothing queued")
mt.disconnect(conn)
