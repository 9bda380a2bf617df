package businessemail

import "strings"

// This file answers "whose mail server is this?" for the MX check: a
// domain no list knows yet, whose MX records name a listed provider's
// servers, is that provider's. The answer must never be "a personal
// provider's" for a host that also receives organisations' mail: Google
// Workspace, Microsoft 365, Zoho, Yandex 360 and iCloud+ custom domains
// all use their providers' servers. So disposable providers are
// recognised by the lists (their MX hosts serve no one else), but
// free-mail providers only by the few inbound hosts below that serve
// their consumer mailboxes alone.

// consumerMailServer is an inbound host (and the hosts below it) that
// receives mail only for a free-mail provider's own consumer domains.
type consumerMailServer struct {
	host     string
	provider string // the listed domain a refusal names
	why      string // the evidence: reviewed, not guessed
}

// consumerMailServers is reviewed by hand; when in doubt an entry stays
// out. A host missing here lets a domain through (its other checks still
// apply); a wrong one refuses a real organisation, the worst error.
var consumerMailServers = []consumerMailServer{
	{"gmail-smtp-in.l.google.com", "gmail.com",
		"gmail.com's and googlemail.com's MX (and alt1-alt4 below it); Google Workspace domains are told to use smtp.google.com, or aspmx.l.google.com and aspmx2/3.googlemail.com before 2023"},
	{"olc.protection.outlook.com", "outlook.com",
		"\"OutLook Consumer\": outlook-com., hotmail-com., live-com. and the country domains' MX; Microsoft 365 tenants use <tenant>.mail.protection.outlook.com or *.mx.microsoft"},
	{"mta5.am0.yahoodns.net", "yahoo.com", "yahoo.com's MX; Yahoo's business mail uses mx-biz.mail.am0.yahoodns.net"},
	{"mta6.am0.yahoodns.net", "yahoo.com", "yahoo.com's MX, as mta5"},
	{"mta7.am0.yahoodns.net", "yahoo.com", "yahoo.com's MX, as mta5"},
	{"mx-aol.mail.gm0.yahoodns.net", "aol.com", "aol.com's MX since AOL's mail moved to Yahoo; AOL hosts no other domains"},
	// Left out on purpose: mx.yandex.ru (not known to serve consumers
	// only; Yandex 360 uses mx.yandex.net), mxs.mail.ru (VK WorkMail's
	// emx.mail.ru is apart, but unconfirmed), mx*.mail.icloud.com (iCloud+
	// custom domains), mail.protonmail.ch, mx.zoho.*, GMX's and web.de's
	// (not confirmed consumer-only), qq.com's (Tencent Exmail is apart, but
	// unconfirmed).
}

// mailHosts are services that host organisations' own domains, whose MX
// hosts never count as a disposable provider's even where a disposable
// list carries the service's domain (some do: yandex.net, forwardemail.net
// and improvmx.com are on the mailchecker or burner-email-providers
// lists). A domain that is itself on a list is still refused by Decide.
var mailHosts = domainSet{
	"yandex.net":          {}, // Yandex 360 for business: mx.yandex.net
	"forwardemail.net":    {}, // Forward Email: custom-domain mail for companies and projects
	"improvmx.com":        {}, // ImprovMX: custom-domain forwarding
	"google.com":          {}, // Google Workspace: smtp.google.com, aspmx.l.google.com
	"googlemail.com":      {}, // Google Workspace's aspmx2/3.googlemail.com
	"outlook.com":         {}, // Microsoft 365: *.mail.protection.outlook.com
	"mx.microsoft":        {}, // Microsoft 365 with DANE: <tenant>.<x>.mx.microsoft
	"zoho.com":            {}, // Zoho Mail: mx.zoho.com (and the regional zoho.* below)
	"zoho.eu":             {},
	"zoho.in":             {},
	"zoho.com.au":         {},
	"zoho.jp":             {},
	"zohocloud.ca":        {},
	"icloud.com":          {}, // iCloud+ custom domains: mx01.mail.icloud.com
	"protonmail.ch":       {}, // Proton custom domains: mail.protonmail.ch
	"messagingengine.com": {}, // Fastmail: in1-smtp.messagingengine.com
	"yahoodns.net":        {}, // Yahoo business mail: mx-biz.mail.am0.yahoodns.net
	"mail.ru":             {}, // VK WorkMail: emx.mail.ru
	"cloudflare.net":      {}, // Cloudflare Email Routing: route1.mx.cloudflare.net
}

// ProviderOf tells whose mail server host (an MX host name) is, by the
// same matching as Decide: Disposable and the listed domain when host or
// a parent of it is on a disposable list (mx1.mailinator.com is
// mailinator.com's); else FreeMail and the provider when host is one of
// a listed free-mail provider's consumer inbound hosts
// (gmail-smtp-in.l.google.com is gmail.com's); else OK and "". A host
// under the operator's allow file, or under a service that hosts
// organisations' mail, is never a provider's.
func (p *Policy) ProviderOf(host string) (Reason, string) {
	host, _, r := toASCII(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if r != OK {
		return OK, ""
	}
	reg, r := registrable(host)
	if r != OK {
		return OK, ""
	}
	op := p.operator.Load()
	if op.allow.match(host, reg) != "" {
		return OK, ""
	}
	if mailHosts.match(host, reg) == "" {
		if m := p.lists.match(host, reg, KindDisposable); m != "" {
			return Disposable, m
		}
	}
	for _, s := range consumerMailServers {
		if host != s.host && !strings.HasSuffix(host, "."+s.host) {
			continue
		}
		// The provider must still be listed, and not allowed by the
		// operator: the lists and the operator decide, the table only
		// recognises.
		if p.lists.match(s.provider, s.provider, KindFree) != "" && op.allow.match(s.provider, s.provider) == "" {
			return FreeMail, s.provider
		}
		return OK, ""
	}
	return OK, ""
}
