-- Petition traffic: GETs of $BENCH_READ paths and sign-form POSTs to $BENCH_SIGN paths (both
-- comma-separated), a share $BENCH_SIGN_SHARE of requests signing. Every POST has a new email at
-- one of the common providers, and comes from its own address (X-Forwarded-For, which the bench's
-- server trusts from one proxy), as a surge from a whole country would: the rate limits count
-- each signature as they would in production.
dofile(os.getenv("BENCH_LUA_DIR") .. "/stats.lua")

local reads = split(os.getenv("BENCH_READ"))
local signs = split(os.getenv("BENCH_SIGN"))
local sign_share = tonumber(os.getenv("BENCH_SIGN_SHARE") or "1")
local tag = os.getenv("BENCH_TAG")
local sent = 0

local providers = {"gmail.com", "mail.ru", "yandex.ru", "inbox.ru", "outlook.com"}
local sign_headers = {}
for name, value in pairs(form_headers) do sign_headers[name] = value end

function request()
  if #signs > 0 and (#reads == 0 or math.random() < sign_share) then
    sent = sent + 1
    local body = string.format(
      "full_name=Bench+Signer&email=%s-%d-%d%%40%s&country=KZ&city=Almaty&show_name=on",
      tag, id, sent, providers[math.random(#providers)])
    sign_headers["X-Forwarded-For"] = string.format(
      "%d.%d.%d.%d", math.random(1, 223), math.random(0, 255), math.random(0, 255),
      math.random(1, 254))
    return wrk.format("POST", signs[math.random(#signs)], sign_headers, body)
  end
  return wrk.format("GET", reads[math.random(#reads)])
end
