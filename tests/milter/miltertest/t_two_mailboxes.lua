-- A From with two mailboxes cannot be signed: everything stays on SMTP.
dofile(dir .. "/common.lua")
local conn = send{ id = "TWO1", rcpts = { {"<x@sec.test>", "smtp"} },
                   headers = { {"From", "alice@a.test, bob@a.test"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x@sec.test kept")
check(queued("TWO1") == nil, "nothing queued")
mt.disconnect(conn)
