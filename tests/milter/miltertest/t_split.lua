-- Two SMTPsec recipients and one insecure: exactly the two are taken
-- (queued, then deleted from the MTA's copy), the message goes on.
dofile(dir .. "/common.lua")
local conn = send{ id = "SPLIT1", rcpts = { {"<x@sec.test>", "smtp"}, {"<y@insecure.test>", "smtp"},
                                           {"<z@sec2.test>", "relay"} } }
check(mt.getreply(conn) == SMFIR_CONTINUE, "EOM answered continue")
check(mt.eom_check(conn, MT_RCPTDELETE, "<x@sec.test>"), "x@sec.test deleted")
check(mt.eom_check(conn, MT_RCPTDELETE, "<z@sec2.test>"), "z@sec2.test deleted")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<y@insecure.test>"), "y@insecure.test kept")
local q = queued("SPLIT1")
check(contains(q, "rcpt=<x@sec.test>\nrcpt=<z@sec2.test>\n--\n"), "both queued, nothing else")
check(contains(q, "from_domain=a.test\nrequire_security=none"), "signing domain, no requirement")
check(contains(q, "Subject:") and contains(q, "\r\n\r\nHello.\r\n"), "message reassembled")
mt.disconnect(conn)
