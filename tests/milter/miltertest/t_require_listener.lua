-- Mail through a listener listed as SMTPsec-only ({daemon_name}) with an
-- insecure recipient is refused.
dofile(dir .. "/common.lua")
local conn = send{ id = "REQL1", daemon = "SECURE-SUBMISSION", rcpts = { {"<y@insecure.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.30", "SMTPsec required but not available for insecure.test"), "5.7.30")
mt.disconnect(conn)
