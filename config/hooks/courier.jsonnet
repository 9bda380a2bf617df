// The body Kratos's courier sends to WorkID's hooks server (/hooks/courier)
// for every mail: the recipient, the template and its data (the link
// Kratos made, the identity). Kratos's own rendering of the mail (subject,
// body) and the flow's transient payload, which any caller of the flow
// chooses, are not sent: WorkID writes the words itself (internal/mail),
// from what it recorded on the identity.
function(ctx) {
  recipient: ctx.recipient,
  template_type: ctx.template_type,
  template_data: if std.objectHas(ctx, 'template_data') then {
    to: std.get(ctx.template_data, 'to', null),
    verification_url: std.get(ctx.template_data, 'verification_url', null),
    recovery_url: std.get(ctx.template_data, 'recovery_url', null),
    identity: if std.objectHas(ctx.template_data, 'identity') && ctx.template_data.identity != null then { id: std.get(ctx.template_data.identity, 'id', null) } else null,
  } else null,
}
