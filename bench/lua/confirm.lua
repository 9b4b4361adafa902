-- Confirmations: POSTs each token of the file $BENCH_TOKENS once (thread i of n takes every
-- n-th line). When the tokens run out it asks for a link that does not exist, so a run that
-- outlasts its tokens shows up as errors instead of as repeated confirmations.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

local language = os.getenv("BENCH_LANGUAGE") or "kk"
local tokens = {}

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local line_number = 0
  for token in io.lines(os.getenv("BENCH_TOKENS")) do
    if line_number % threads == id then
      table.insert(tokens, token)
    end
    line_number = line_number + 1
  end
end

local next_token = 0

function request()
  next_token = next_token + 1
  local token = tokens[next_token] or "tokens-ran-out"
  return wrk.format("POST", "/" .. language .. "/confirm/" .. token .. "/", form_headers, "")
end
