// Package selfserviceui serves what WorkID's users see (`workid ui`): the
// Kratos self-service pages, the dashboard and the Profile page, and the
// Hydra consent and logout pages.
//
// The package lives in the selfservice-ui folder; import it as
//
//	selfserviceui "github.com/workid/workid/selfservice-ui"
package selfserviceui
