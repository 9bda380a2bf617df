// The body Kratos sends to /hooks/settings/changed after it saved a
// profile change: the address now and before (the settings flow keeps the
// identity as it was when the flow started), and the credential of the
// session that made the change. When the address changed, the hooks
// server ends every OTHER session of the account with it (Kratos's
// DELETE /sessions); it is used for that call alone and never logged.
function(ctx) {
  identity_id: ctx.identity.id,
  email: ctx.identity.traits.email,
  previous_email: if std.objectHas(ctx.flow, 'identity') && ctx.flow.identity != null then ctx.flow.identity.traits.email else null,
  session_cookie: std.get(ctx.request_cookies, 'ory_kratos_session', null),
  session_token: local h = std.get(ctx.request_headers, 'X-Session-Token', null); if h == null then null else h[0],
}
