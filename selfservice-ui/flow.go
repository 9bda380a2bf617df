package selfserviceui

import (
	"encoding/json"
	"time"
)

// The Kratos flow JSON, decoded into WorkID's own types: only the fields
// the pages use. The SDK's union types stay out of the UI; every node
// attribute kind Kratos sends (input, text, img, a, script, div) lands in
// one flat struct, told apart by NodeType.

// flow is any self-service flow: login, registration, verification,
// recovery, settings.
type flow struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	State    string `json:"state"`
	ReturnTo string `json:"return_to"`
	Refresh  bool   `json:"refresh"`
	// OAuth2LoginChallenge is Hydra's login challenge when a connected
	// service started the sign-in.
	OAuth2LoginChallenge string `json:"oauth2_login_challenge"`
	// OAuth2LoginRequest is Hydra's login request behind that challenge:
	// where the service asked to be sent back to.
	OAuth2LoginRequest *struct {
		RequestURL string `json:"request_url"`
		Client     struct {
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"client"`
	} `json:"oauth2_login_request"`
	UI uiContainer `json:"ui"`
	// Identity is set on settings flows.
	Identity *identity `json:"identity"`
}

type uiContainer struct {
	Action   string   `json:"action"`
	Method   string   `json:"method"`
	Nodes    []uiNode `json:"nodes"`
	Messages []uiText `json:"messages"`
}

type uiNode struct {
	Type       string       `json:"type"`
	Group      string       `json:"group"`
	Attributes uiAttributes `json:"attributes"`
	Messages   []uiText     `json:"messages"`
	Meta       struct {
		Label *uiText `json:"label"`
	} `json:"meta"`
}

// uiAttributes holds the attributes of every node type.
type uiAttributes struct {
	NodeType string `json:"node_type"`
	// input
	Name         string          `json:"name"`
	InputType    string          `json:"type"`
	Value        json.RawMessage `json:"value"`
	Required     bool            `json:"required"`
	Disabled     bool            `json:"disabled"`
	Autocomplete string          `json:"autocomplete"`
	Pattern      string          `json:"pattern"`
	MaxLength    int             `json:"maxlength"`
	Label        *uiText         `json:"label"`
	// OnClickTrigger and OnLoadTrigger name a function of Kratos's
	// WebAuthn script (window.oryWebAuthnRegistration, ...).
	OnClickTrigger string `json:"onclickTrigger"`
	OnLoadTrigger  string `json:"onloadTrigger"`
	// text, img, a, script, div
	ID             string  `json:"id"`
	Text           *uiText `json:"text"`
	Src            string  `json:"src"`
	Width          int     `json:"width"`
	Height         int     `json:"height"`
	Href           string  `json:"href"`
	Title          *uiText `json:"title"`
	Async          bool    `json:"async"`
	Crossorigin    string  `json:"crossorigin"`
	Integrity      string  `json:"integrity"`
	Referrerpolicy string  `json:"referrerpolicy"`
	Class          string  `json:"class"`
}

type uiText struct {
	ID      int64          `json:"id"`
	Text    string         `json:"text"`
	Type    string         `json:"type"`
	Context map[string]any `json:"context"`
}

// identity is the part of a Kratos identity the pages use.
// Public is metadata_public as an object; nil when it is none.
func (i *identity) Public() map[string]any {
	m, _ := i.MetadataPublic.(map[string]any)
	return m
}

type identity struct {
	ID     string `json:"id"`
	Traits struct {
		Email    string `json:"email"`
		Username string `json:"username"`
		Name     struct {
			First string `json:"first"`
			Last  string `json:"last"`
		} `json:"name"`
	} `json:"traits"`
	VerifiableAddresses []verifiableAddress `json:"verifiable_addresses"`
	// MetadataPublic is read as it comes: an operator may set anything
	// there through the admin API, and no page may fail on it (Public).
	MetadataPublic any `json:"metadata_public"`
	MetadataAdmin  any `json:"metadata_admin"`
}

// verifiableAddress is one of an identity's verifiable addresses.
type verifiableAddress struct {
	Value      string     `json:"value"`
	Via        string     `json:"via"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	Status     string     `json:"status"`
}

// GetVia and GetValue are what kratosapi.AccountAddress reads.
func (a verifiableAddress) GetVia() string   { return a.Via }
func (a verifiableAddress) GetValue() string { return a.Value }

// session is Kratos's /sessions/whoami answer.
type session struct {
	ID       string   `json:"id"`
	Active   bool     `json:"active"`
	Identity identity `json:"identity"`
}

// kratosError is Kratos's error body: {"error": {...}, "redirect_browser_to": ...}.
type kratosError struct {
	Error struct {
		ID      string `json:"id"`
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
		Details struct {
			// RedirectTo is where a browser starts the flow again, with
			// the original return_to and login_challenge (410 Gone).
			RedirectTo string `json:"redirect_to"`
		} `json:"details"`
	} `json:"error"`
	RedirectBrowserTo string `json:"redirect_browser_to"`
}

// flowError is the body of /self-service/errors: a stored error shown on /error.
type flowError struct {
	ID    string `json:"id"`
	Error struct {
		// ID names the kind ("self_service_flow_return_to_forbidden").
		ID      string `json:"id"`
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"error"`
}
