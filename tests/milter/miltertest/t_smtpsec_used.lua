-- A forged SMTPsec-Used field (two, any case) is deleted from the MTA's copy
-- and is not in the queued copy.
dofile(dir .. "/common.lua")
local conn = send{ id = "USED1", rcpts = { {"<y@insecure.test>", "smtp"}, {"<x@sec.test>", "smtp"} },
                   headers = { {"SMTPsec-Used", ""}, {"From", "alice@a.test"}, {"smtpsec-used", "forged"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(mt.eom_check(conn, MT_HDRDELETE, "SMTPsec-Used"), "SMTPsec-Used deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "smtpsec-used"), "smtpsec-used deleted")
local q = queued("USED1")
check(q ~= nil and not contains(string.lower(q), "smtpsec-used"), "queued copy without SMTPsec-Used")
mt.disconnect(conn)
