-- The verdict source cannot start a lookup: on_dns_error (tempfail) applies.
dofile(dir .. "/common.lua")
local conn = send{ id = "DNS1", rcpts = { {"<x@broken.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.4.3", "SMTPsec discovery unavailable for broken.test, try again later"), "451 4.4.3")
mt.disconnect(conn)
