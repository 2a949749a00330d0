-- REQUIRETLS in the MAIL arguments (RFC 8689; neither Postfix 3.7 nor
-- Debian 12's Sendmail passes it, a milter client can): require_security = 0.
-- The SMTP-only recipients are taken too, for the secure hand-back (SMTP only
-- over verified TLS), instead of being left to the MTA or refused.
dofile(dir .. "/common.lua")
local conn = send{ id = "RTLS1", mail_args = { "REQUIRETLS" },
                   rcpts = { {"<x@sec.test>", "smtp"}, {"<y@insecure.test>", "smtp"}, {"<s@nosec.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_DISCARD, "EOM answered discard: every recipient taken")
local q = queued("RTLS1")
check(contains(q, "require_security=0"), "require_security 0 recorded")
check(contains(q, "rcpt=<x@sec.test>\nrcpt=<y@insecure.test>\nrcpt=<s@nosec.test>\n"), "all three queued")
mt.disconnect(conn)

-- REQUIRETLS with a Require-SMTPsec: yes header: 1 wins, the SMTP-only domains are refused.
conn = send{ id = "RTLS2", mail_args = { "REQUIRETLS" }, headers = { {"From", "Alice <alice@a.test>"}, {"Subject", "test"}, {"Require-SMTPsec", "yes"} },
             rcpts = { {"<x@sec.test>", "smtp"}, {"<y@insecure.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.30", "SMTPsec required but not available for insecure.test"),
      "5.7.30: the header's 1 beats REQUIRETLS's 0")
check(queued("RTLS2") == nil, "nothing queued")
mt.disconnect(conn)
