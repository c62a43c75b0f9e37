"""The public list of the regions a deployment serves."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.jurisdiction import PREFIX, REGION_CODE, RegionKind


class JurisdictionSummary(BaseModel):
    """One onboarded kabupaten or kota."""

    model_config = ConfigDict(defer_build=True)

    code: str = Field(pattern=REGION_CODE.pattern, description="Kemendagri code, NN.NN")
    name: str = Field(description='the name without "Kota"/"Kabupaten"')
    kind: RegionKind
    prefix: str = Field(pattern=PREFIX.pattern, description="the three letters that start its tracking ids")


class JurisdictionList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    jurisdictions: list[JurisdictionSummary]
