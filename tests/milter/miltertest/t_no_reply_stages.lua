-- The milter asks the MTA not to wait on header fields and body chunks
-- (SMFIP_NR_HDR, SMFIP_NR_BODY) and not to send the end of the header
-- (SMFIP_NOEOH); a header field in several body chunks still arrives whole.
dofile(dir .. "/common.lua")
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
check(conn ~= nil, "connect")
ok(mt.conninfo(conn, "localhost", "127.0.0.1"), "conninfo")
ok(mt.helo(conn, "client.a.test"), "helo")
mt.macro(conn, SMFIC_MAIL, "i", "NR1")
ok(mt.mailfrom(conn, "<alice@a.test>"), "mailfrom")
check(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL answered continue")
mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", "smtp")
ok(mt.rcptto(conn, "<x@sec.test>"), "rcptto")
check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT answered continue")
ok(mt.header(conn, "From", "Alice <alice@a.test>"), "header From")
ok(mt.header(conn, "Subject", "no replies"), "header Subject")
-- miltertest refuses a step the milter negotiated away.
check(not pcall(mt.eoh, conn), "EOH negotiated away (SMFIP_NOEOH)")
ok(mt.bodystring(conn, "first chunk\r\n"), "body 1")
ok(mt.bodystring(conn, "second chunk\r\n"), "body 2")
ok(mt.eom(conn), "eom")
-- Had the milter replied to a header or body chunk, this would read that reply.
check(mt.getreply(conn) == SMFIR_DISCARD, "EOM answered discard")
check(contains(queued("NR1"), "first chunk\r\nsecond chunk\r\n"), "both body chunks queued")
mt.disconnect(conn)
