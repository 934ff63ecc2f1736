"""Per-frame masks: nuclei (:mod:`.nuclei`), the cytoplasm ring around each (:mod:`.rings`),
tracks over time (:mod:`.tracking`) and the labelled pixels they share (:mod:`.labels`). Pure
functions of one frame's arrays."""
