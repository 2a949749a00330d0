-- A Require-SMTPsec: yes header is removed everywhere and recorded as
-- require_security=1 in the queue.
dofile(dir .. "/common.lua")
local conn = send{ id = "REQH1", rcpts = { {"<x@sec.test>", "smtp"}, {"<l@a.test>", "local"} },
                   headers = { {"From", "alice@a.test"}, {"Require-SMTPsec", "yes"}, {"Subject", "s"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(mt.eom_check(conn, MT_HDRDELETE, "Require-SMTPsec"), "header deleted from the MTA's copy")
check(mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x taken")
local q = queued("REQH1")
check(contains(q, "require_security=1"), "require_security recorded")
check(not contains(q, "Require-SMTPsec"), "queued copy without the header")
mt.disconnect(conn)
