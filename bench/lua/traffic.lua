-- Petition traffic: GETs of $BENCH_READ paths and sign-form POSTs to $BENCH_SIGN paths (both
-- comma-separated), a share $BENCH_SIGN_SHARE of requests signing. Every POST has a new email.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

local reads = split(os.getenv("BENCH_READ"))
local signs = split(os.getenv("BENCH_SIGN"))
local sign_share = tonumber(os.getenv("BENCH_SIGN_SHARE") or "1")
local tag = os.getenv("BENCH_TAG")
local sent = 0

function request()
  if #signs > 0 and (#reads == 0 or math.random() < sign_share) then
    sent = sent + 1
    local body = string.format(
      "full_name=Bench+Signer&email=%s-%d-%d%%40example.org&country=KZ&city=Almaty&show_name=on",
      tag, id, sent)
    return wrk.format("POST", signs[math.random(#signs)], form_headers, body)
  end
  return wrk.format("GET", reads[math.random(#reads)])
end
