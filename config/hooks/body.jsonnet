// The body Kratos sends to WorkID's hooks server (hooks/). Only what the
// hooks need: of the request's headers and cookies, which carry sessions,
// only the language the browser chose with the UI's switch (its cookie)
// and asks for (Accept-Language), which a registration records as the
// account's language for its mails.
//
// previous_email is the address before a settings change (the settings
// flow keeps the identity as it was); registrations have none. The rule
// applies only when the address is new, so accounts created earlier with a
// personal address can still change their name.
function(ctx) {
  flow_id: ctx.flow.id,
  flow_type: ctx.flow.type,
  identity_id: ctx.identity.id,
  traits: ctx.identity.traits,
  metadata_public: if std.objectHas(ctx.identity, 'metadata_public') then ctx.identity.metadata_public else null,
  previous_email: if std.objectHas(ctx.flow, 'identity') && ctx.flow.identity != null then ctx.flow.identity.traits.email else null,
  language: {
    chosen: std.get(std.get(ctx, 'request_cookies', {}), 'workid_lang', null),
    accept_language: local h = std.get(std.get(ctx, 'request_headers', {}), 'Accept-Language', []); if std.length(h) > 0 then h[0] else null,
  },
}
