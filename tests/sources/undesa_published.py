"""UN DESA International Migrant Stock 2020 figures quoted in PUBLISHED_RESULTS.md (tests only)."""

from __future__ import annotations

#: Stock years of the 2020 revision.
YEARS_2020 = [1990, 1995, 2000, 2005, 2010, 2015, 2020]

#: PUBLISHED_RESULTS.md D1: world migrant stock by sex (persons), 2020 "by destination" workbook,
#: row WORLD, one value per year of :data:`YEARS_2020`.
D1 = {
    "total": [152_986_157, 161_289_976, 173_230_585, 191_446_828, 220_983_187, 247_958_644,
              280_598_105],
    "male": [77_563_467, 81_581_501, 87_719_833, 97_663_081, 113_940_881, 128_238_058,
             145_655_844],
    "female": [75_422_690, 79_708_475, 85_510_752, 93_783_747, 107_042_306, 119_720_586,
               134_942_261],
}
