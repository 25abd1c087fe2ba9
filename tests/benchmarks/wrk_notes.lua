-- wrk: POST a note to the cases listed in $CASES_FILE (one UUID a line), each thread from its own
-- offset, with the bearer token in $TOKEN. Without If-Match, so a rare collision is retried, not refused.
local cases = {}
for line in io.lines(os.getenv("CASES_FILE")) do cases[#cases + 1] = line end
local threads = 0
local token = os.getenv("TOKEN")

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 97)
end

function init(args)
  position = offset
end

function request()
  position = position + 1
  local id = cases[(position % #cases) + 1]
  return wrk.format("POST", "/api/v1/cases/" .. id .. "/notes",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    '{"text":"Called the customer; retained sample sent to the independent lab."}')
end
