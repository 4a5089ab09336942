"""收集: intake over the API, upload, quarantine, handover, digitization, matters."""
