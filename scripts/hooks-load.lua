-- wrk script: Kratos-shaped registration hook calls with a mix of
-- business, free-mail, disposable and invalid addresses.
local key = os.getenv("WORKID_HOOKS_KEY")
local emails = {
  "ann.lee@acme-widgets.com", "bob@northwind-traders.com", "carol@mail.acme.co.uk",
  "dave@gmail.com", "erin@yahoo.co.uk", "frank@x.mailinator.com", "grace@acme",
  "heidi@contoso-engineering.com", "ivan@münchen.de", "judy@hotmail.fr",
}
local i = 0
request = function()
  i = i + 1
  local email = emails[(i % #emails) + 1]
  local body = '{"flow_id":"00000000-0000-0000-0000-00000000000' .. (i % 10) ..
    '","flow_type":"browser","identity_id":"00000000-0000-0000-0000-000000000000","traits":{"email":"' ..
    email .. '","username":"u' .. i .. '","name":{"first":"A","last":"B"}}}'
  return wrk.format("POST", "/hooks/registration",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
