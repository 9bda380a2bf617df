// The body Kratos sends to /hooks/members/{registration,settings,verification}
// after it saved an identity: what WorkID's member index records
// (internal/companies). Only the identity: never the request headers or
// cookies, which carry sessions.
//
// Kratos leaves metadata_admin out of every hook's body (its Identity
// type drops the field when it is marshalled), so the re-verification
// record is not here: when the address is unverified, the hooks server
// reads it through the admin API.
function(ctx)
  local addresses = std.get(ctx.identity, 'verifiable_addresses', null);
  {
    identity_id: ctx.identity.id,
    traits: ctx.identity.traits,
    // Kratos's times: the index keeps the newest state when hooks arrive
    // out of order.
    updated_at: std.get(ctx.identity, 'updated_at', null),
    verifiable_addresses: [
      {
        value: a.value,
        via: a.via,
        verified: a.verified,
        verified_at: std.get(a, 'verified_at', null),
        updated_at: std.get(a, 'updated_at', null),
      }
      for a in (if addresses == null then [] else addresses)
    ],
  }
