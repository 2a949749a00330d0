-- Every recipient taken: DISCARD (the client sees 250, the MTA delivers nothing).
dofile(dir .. "/common.lua")
local conn = send{ id = "ALL1", rcpts = { {"<x@sec.test>", "smtp"}, {"<w@defer.test>", "esmtp"} } }
check(mt.getreply(conn) == SMFIR_DISCARD, "EOM answered discard")
check(contains(queued("ALL1"), "rcpt=<x@sec.test>\nrcpt=<w@defer.test>\n"), "both queued (defer too)")
mt.disconnect(conn)
