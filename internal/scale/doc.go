// Package scale holds WorkID's scale harness, BenchmarkAtScale: a stack of
// its own, seeded through Kratos's batch API to each size asked for, with
// every page, flow, admin command and re-verification pass measured at
// each size in one run. It is not part of `make test`; docs/benchmarks.md
// ("At scale") has the command and the figures.
package scale
