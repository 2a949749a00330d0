-- never.test has SMTPsec in DNS but is listed as never taken over.
dofile(dir .. "/common.lua")
local conn = send{ id = "NEVER1", rcpts = { {"<n@never.test>", "smtp"}, {"<x@sec.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x@sec.test deleted")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<n@never.test>"), "n@never.test kept")
check(contains(queued("NEVER1"), "rcpt=<x@sec.test>\n--\n"), "only x queued")
mt.disconnect(conn)
