/*
 * engine_fault.h: test-only switches that turn off one part of the gate,
 * so that the deterministic simulator (tests/dsim/) can show it would
 * catch the bug. Not part of the engine's API (engine.h): srrd never
 * includes this header and never sets them.
 */
#ifndef SRR_ENGINE_FAULT_H
#define SRR_ENGINE_FAULT_H

struct srr_engine;

enum srr_fault {
	SRR_FAULT_NO_QUORUM	= 1 << 0,	/* ignore quorum */
	SRR_FAULT_NO_CONFIRM	= 1 << 1,	/* ambiguous counts as down */
	SRR_FAULT_NO_DELIVERY	= 1 << 2,	/* act before the ledger agreed */
	SRR_FAULT_NO_DEST_CHECK	= 1 << 3,	/* clean up without confirming */
};

/* Set the switches (a mask of enum srr_fault) of a new engine. */
void srr_engine_set_faults(struct srr_engine *e, unsigned mask);

#endif /* SRR_ENGINE_FAULT_H */
