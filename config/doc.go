// Package config owns every setting of WorkID's processes and every file that
// WorkID hands to Kratos and Hydra.
//
// The Go side reads typed settings from the environment once, at start, with
// caarlos0/env, and validates them with every problem reported at once. The
// files beside it (identity.schema.json, hydra.yml, the courier templates)
// are read by Kratos and Hydra themselves; the root kratos.yml points here.
//
// Nothing in this package is global: each process parses its settings in its
// run function and passes the value down.
package config
