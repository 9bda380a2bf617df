// The body Kratos sends to WorkID's hooks server (hooks/). Only what the
// hooks need: never the request headers, which carry the user's cookies.
function(ctx) {
  flow_id: ctx.flow.id,
  flow_type: ctx.flow.type,
  identity_id: ctx.identity.id,
  traits: ctx.identity.traits,
}
