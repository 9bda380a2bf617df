// The body Kratos sends to /hooks/settings/changed after it saved a
// profile change: the address now and before (the settings flow keeps the
// identity as it was when the flow started), and the session cookie of the
// browser that made the change. When the address changed, the hooks server
// ends every OTHER session of the account with it (Kratos's DELETE
// /sessions); it is used for that call alone and never logged. Kratos
// passes no X-Session-Token header to web hooks: after a change through
// the API, every session of the account ends, the changer's too.
function(ctx) {
  identity_id: ctx.identity.id,
  email: ctx.identity.traits.email,
  previous_email: if std.objectHas(ctx.flow, 'identity') && ctx.flow.identity != null then ctx.flow.identity.traits.email else null,
  session_cookie: std.get(ctx.request_cookies, 'ory_kratos_session', null),
}
