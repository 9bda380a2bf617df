// Package emailrule builds the business-email rule a config.EmailRule
// describes: the policy over its lists and operator files, and the MX
// checker it asks for. The hooks server and the admin commands build the
// rule here from the same settings, so support staff see the decision the
// server makes.
//
// It is a package of its own so that internal/businessemail, the rule
// itself, knows nothing of configuration and does no DNS: it takes a
// folder, file names and a MailChecker, and stays pure and table-tested.
package emailrule
