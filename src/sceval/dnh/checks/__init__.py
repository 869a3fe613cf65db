"""One module per do-no-harm check logic, each exporting a function of the same name.

Signature: `<logic>(x: Inputs, spec: CheckSpec) -> pl.LazyFrame` of findings in
`sceval.dnh.findings.FINDING_SCHEMA` (flags, insufficient-data rows and explicit passes).
"""
