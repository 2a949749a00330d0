-- REQUIRESMTPSEC in the MAIL arguments (no MTA passes it; only a milter
-- client can): an insecure recipient domain makes it a 5.7.30 reject naming it.
dofile(dir .. "/common.lua")
local conn = send{ id = "REQ1", mail_args = { "REQUIRESMTPSEC" },
                   rcpts = { {"<x@sec.test>", "smtp"}, {"<y@insecure.test>", "smtp"}, {"<s@nosec.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.30",
                   "SMTPsec required but not available for insecure.test, nosec.test"), "5.7.30 naming the domains")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x@sec.test kept")
check(queued("REQ1") == nil, "nothing queued")
mt.disconnect(conn)
