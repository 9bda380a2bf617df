// Package kratosapi is the one home of what WorkID does through Kratos's
// APIs in more than one place: it makes SDK clients with a timeout (the
// SDK's default HTTP client has none), pages through identities
// (IdentityPager) and the courier's messages (CourierMessages), picks the
// account's address among an identity's addresses (AccountAddress),
// writes one key of metadata_admin (MetadataAdminOps), has Kratos mail a
// verification link (SendVerification) and adds what Kratos answered to a
// failed call's error (WithBody).
//
// The hooks server, the UI, the re-verification job and the admin commands
// call these rather than the SDK directly for these operations, so each
// follows Kratos's contract the same way everywhere.
package kratosapi
