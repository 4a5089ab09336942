"""收集: push keys and the drop folder, BagIt, 四性检测 on a package, OCR and digitization batches, handover."""
