"""Many --by groups: each format pinned to the text it had before groups were
written in bulk, and per-group values checked against an independent groupby.

The expected texts below were printed by losscli at commit cfb8482 (before
per-group values were kept as arrays): the files that ``_write_inputs``
makes, in a folder of their own, and ``python -m losscli ARGS --format FMT``
with the ``CASES`` arguments, run there.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

import losscli.output
import losscli.render_groups


def _text(text: str) -> str:
    """The text after the line break that opens it."""
    return text[1:]


# g_int (with a missing value), g_text (commas, quotes, non-ASCII, empty, a
# value written "(all)", missing), g_bool (missing); per row: y_true, y_pred,
# a weight and another model's prediction. Group 2 / "(all)" / "" have
# weights that sum to zero and 1 / "Zebra" an overflowing loss: null values
# with their reasons.
ROWS = [
    (3, "a,b", True, 1.0, 1.5, 1.0, 1.25),
    (1, 'say "hi"', False, 2.0, 2.25, 1.0, 2.0),
    (None, "naïve ☃", None, 0.5, 0.0, 1.0, 0.5),
    (3, None, True, -1.0, 1.0, 1.0, -0.5),
    (2, "(all)", False, 4.0, 3.0, 0.0, 4.5),
    (2, "", None, 0.1, 0.3, 0.0, 0.1),
    (10, "a,b", True, 1e-300, 3e-300, 1.0, 0.0),
    (1, "Zebra", False, 7.0, 1e200, 1.0, 7.5),
    (-5, 'say "hi"', True, 0.3, 0.1, 2.5, 0.3),
]


def _write_inputs(folder) -> None:
    columns = list(zip(*ROWS))
    table = pa.table(
        {
            "id": pa.array(range(len(ROWS)), pa.int64()),
            "g_int": pa.array(columns[0], pa.int64()),
            "g_text": pa.array(columns[1], pa.string()),
            "g_bool": pa.array(columns[2], pa.bool_()),
            "y_true": pa.array(columns[3]),
            "y_pred": pa.array(columns[4]),
            "w": pa.array(columns[5]),
        }
    )
    pq.write_table(table, folder / "groups.parquet")
    pa_csv.write_csv(table, folder / "groups.csv")
    pq.write_table(table.set_column(5, "y_pred", pa.array(columns[6])), folder / "other.parquet")
    # Labels in another order, joined on id; the groups come from the labels file.
    pq.write_table(table.select(["id", "y_true", "g_text"]).take(list(range(len(ROWS)))[::-1]), folder / "labels.parquet")
    pq.write_table(table.select(["id", "y_pred", "w"]), folder / "predictions.parquet")


CASES = {
    'int': ['compute', 'groups.parquet', '--loss', 'mse', '--loss', 'rmse', '--weight-col', 'w', '--by', 'g_int'],
    'text': ['compute', 'groups.parquet', '--loss', 'mse', '--loss', 'rmse', '--weight-col', 'w', '--by', 'g_text'],
    'bool': ['compute', 'groups.parquet', '--loss', 'mse', '--loss', 'rmse', '--weight-col', 'w', '--by', 'g_bool'],
    'csv_int': ['compute', 'groups.csv', '--loss', 'mse', '--loss', 'rmse', '--weight-col', 'w', '--by', 'g_int'],
    'labels': ['compute', 'predictions.parquet', '--labels', 'labels.parquet', '--key', 'id', '--loss', 'mse', '--loss', 'mae', '--weight-col', 'w', '--by', 'g_text'],
    'compare': ['compare', 'groups.parquet', 'other.parquet', '--loss', 'mse', '--loss', 'mae', '--by', 'g_bool'],
}

EXPECTED = {
    ('int', 'json'): _text(
        r'''
{
  "schema": 1,
  "tool": {
    "name": "losscli",
    "version": "0.1.0"
  },
  "inputs": {
    "predictions": [
      "groups.parquet"
    ],
    "labels": null,
    "rows": 9
  },
  "results": [
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.25,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": null
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.039999999999999994,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": -5
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 1
      },
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 2
      },
      "warning": "mse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 2.125,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 3
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.0,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 10
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.5,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": null
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.19999999999999998,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": -5
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 1
      },
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 2
      },
      "warning": "rmse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 1.4577379737113252,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 3
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.0,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_int": 10
      }
    }
  ]
}
'''
    ),
    ('int', 'csv'): _text(
        r'''
loss,spec,value,n,reduction,model,g_int,warning
mse,mse,,9,mean,groups.parquet,,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,0.25,1,mean,groups.parquet,(missing),
mse,mse,0.039999999999999994,1,mean,groups.parquet,-5,
mse,mse,,2,mean,groups.parquet,1,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,,2,mean,groups.parquet,2,mse: the sample weights of these rows sum to zero; reported as null
mse,mse,2.125,2,mean,groups.parquet,3,
mse,mse,0.0,1,mean,groups.parquet,10,
rmse,rmse,,9,mean,groups.parquet,,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,0.5,1,mean,groups.parquet,(missing),
rmse,rmse,0.19999999999999998,1,mean,groups.parquet,-5,
rmse,rmse,,2,mean,groups.parquet,1,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,,2,mean,groups.parquet,2,rmse: the sample weights of these rows sum to zero; reported as null
rmse,rmse,1.4577379737113252,2,mean,groups.parquet,3,
rmse,rmse,0.0,1,mean,groups.parquet,10,
'''
    ),
    ('int', 'markdown'): _text(
        r'''
| Loss | g_int | Value | Rows |
|---|---|---:|---:|
| `mse` | (all) | null | 9 |
| `mse` | (missing) | 0.25 | 1 |
| `mse` | -5 | 0.04 | 1 |
| `mse` | 1 | null | 2 |
| `mse` | 2 | null | 2 |
| `mse` | 3 | 2.125 | 2 |
| `mse` | 10 | 0 | 1 |
| `rmse` | (all) | null | 9 |
| `rmse` | (missing) | 0.5 | 1 |
| `rmse` | -5 | 0.2 | 1 |
| `rmse` | 1 | null | 2 |
| `rmse` | 2 | null | 2 |
| `rmse` | 3 | 1.45774 | 2 |
| `rmse` | 10 | 0 | 1 |

> mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_int=1: mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_int=2: mse: the sample weights of these rows sum to zero; reported as null
>
> rmse: the value is infinite (overflow or an impossible case); reported as null
>
> g_int=1: rmse: the value is infinite (overflow or an impossible case); reported as null
>
> g_int=2: rmse: the sample weights of these rows sum to zero; reported as null

'''
    ),
    ('text', 'json'): _text(
        r'''
{
  "schema": 1,
  "tool": {
    "name": "losscli",
    "version": "0.1.0"
  },
  "inputs": {
    "predictions": [
      "groups.parquet"
    ],
    "labels": null,
    "rows": 9
  },
  "results": [
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 4.0,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": null
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": ""
      },
      "warning": "mse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "(all)"
      },
      "warning": "mse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "Zebra"
      },
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.125,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "a,b"
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.25,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "na\u00efve \u2603"
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.04642857142857142,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "say \"hi\""
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 2.0,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": null
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": ""
      },
      "warning": "rmse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "(all)"
      },
      "warning": "rmse: the sample weights of these rows sum to zero; reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "Zebra"
      },
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.3535533905932738,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "a,b"
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.5,
      "n": 1,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "na\u00efve \u2603"
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.21547290184283366,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_text": "say \"hi\""
      }
    }
  ]
}
'''
    ),
    ('text', 'csv'): _text(
        r'''
loss,spec,value,n,reduction,model,g_text,warning
mse,mse,,9,mean,groups.parquet,,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,4.0,1,mean,groups.parquet,(missing),
mse,mse,,1,mean,groups.parquet,"""""",mse: the sample weights of these rows sum to zero; reported as null
mse,mse,,1,mean,groups.parquet,"""(all)""",mse: the sample weights of these rows sum to zero; reported as null
mse,mse,,1,mean,groups.parquet,Zebra,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,0.125,2,mean,groups.parquet,"a,b",
mse,mse,0.25,1,mean,groups.parquet,naïve ☃,
mse,mse,0.04642857142857142,2,mean,groups.parquet,"say ""hi""",
rmse,rmse,,9,mean,groups.parquet,,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,2.0,1,mean,groups.parquet,(missing),
rmse,rmse,,1,mean,groups.parquet,"""""",rmse: the sample weights of these rows sum to zero; reported as null
rmse,rmse,,1,mean,groups.parquet,"""(all)""",rmse: the sample weights of these rows sum to zero; reported as null
rmse,rmse,,1,mean,groups.parquet,Zebra,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,0.3535533905932738,2,mean,groups.parquet,"a,b",
rmse,rmse,0.5,1,mean,groups.parquet,naïve ☃,
rmse,rmse,0.21547290184283366,2,mean,groups.parquet,"say ""hi""",
'''
    ),
    ('text', 'markdown'): _text(
        r'''
| Loss | g_text | Value | Rows |
|---|---|---:|---:|
| `mse` | (all) | null | 9 |
| `mse` | (missing) | 4 | 1 |
| `mse` | "" | null | 1 |
| `mse` | "(all)" | null | 1 |
| `mse` | Zebra | null | 1 |
| `mse` | a,b | 0.125 | 2 |
| `mse` | naïve ☃ | 0.25 | 1 |
| `mse` | say "hi" | 0.0464286 | 2 |
| `rmse` | (all) | null | 9 |
| `rmse` | (missing) | 2 | 1 |
| `rmse` | "" | null | 1 |
| `rmse` | "(all)" | null | 1 |
| `rmse` | Zebra | null | 1 |
| `rmse` | a,b | 0.353553 | 2 |
| `rmse` | naïve ☃ | 0.5 | 1 |
| `rmse` | say "hi" | 0.215473 | 2 |

> mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_text="": mse: the sample weights of these rows sum to zero; reported as null
>
> g_text="(all)": mse: the sample weights of these rows sum to zero; reported as null
>
> g_text=Zebra: mse: the value is infinite (overflow or an impossible case); reported as null
>
> rmse: the value is infinite (overflow or an impossible case); reported as null
>
> g_text="": rmse: the sample weights of these rows sum to zero; reported as null
>
> g_text="(all)": rmse: the sample weights of these rows sum to zero; reported as null
>
> g_text=Zebra: rmse: the value is infinite (overflow or an impossible case); reported as null

'''
    ),
    ('text', 'table'): _text(
        r'''
loss   g_text          value   rows
───────────────────────────────────
mse    (all)            null      9
mse    (missing)           4      1
mse    ""               null      1
mse    "(all)"          null      1
mse    Zebra            null      1
mse    a,b             0.125      2
mse    naïve ☃          0.25      1
mse    say "hi"    0.0464286      2
rmse   (all)            null      9
rmse   (missing)           2      1
rmse   ""               null      1
rmse   "(all)"          null      1
rmse   Zebra            null      1
rmse   a,b          0.353553      2
rmse   naïve ☃           0.5      1
rmse   say "hi"     0.215473      2
note: mse: the value is infinite (overflow or an impossible case); reported as null
note: g_text="": mse: the sample weights of these rows sum to zero; reported as null
note: g_text="(all)": mse: the sample weights of these rows sum to zero; reported as null
note: g_text=Zebra: mse: the value is infinite (overflow or an impossible case); reported as null
note: rmse: the value is infinite (overflow or an impossible case); reported as null
note: g_text="": rmse: the sample weights of these rows sum to zero; reported as null
note: g_text="(all)": rmse: the sample weights of these rows sum to zero; reported as null
note: g_text=Zebra: rmse: the value is infinite (overflow or an impossible case); reported as null
'''
    ),
    ('bool', 'json'): _text(
        r'''
{
  "schema": 1,
  "tool": {
    "name": "losscli",
    "version": "0.1.0"
  },
  "inputs": {
    "predictions": [
      "groups.parquet"
    ],
    "labels": null,
    "rows": 9
  },
  "results": [
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.25,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": null
      }
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 3,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": false
      },
      "warning": "mse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "mse",
      "params": {
        "convention": null
      },
      "value": 0.7909090909090909,
      "n": 4,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": true
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 9,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": null,
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.5,
      "n": 2,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": null
      }
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": null,
      "n": 3,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": false
      },
      "warning": "rmse: the value is infinite (overflow or an impossible case); reported as null"
    },
    {
      "loss": "rmse",
      "params": {
        "convention": null
      },
      "value": 0.8893306982833162,
      "n": 4,
      "reduction": "mean",
      "model": "groups.parquet",
      "group": {
        "g_bool": true
      }
    }
  ]
}
'''
    ),
    ('bool', 'csv'): _text(
        r'''
loss,spec,value,n,reduction,model,g_bool,warning
mse,mse,,9,mean,groups.parquet,,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,0.25,2,mean,groups.parquet,(missing),
mse,mse,,3,mean,groups.parquet,false,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,0.7909090909090909,4,mean,groups.parquet,true,
rmse,rmse,,9,mean,groups.parquet,,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,0.5,2,mean,groups.parquet,(missing),
rmse,rmse,,3,mean,groups.parquet,false,rmse: the value is infinite (overflow or an impossible case); reported as null
rmse,rmse,0.8893306982833162,4,mean,groups.parquet,true,
'''
    ),
    ('bool', 'markdown'): _text(
        r'''
| Loss | g_bool | Value | Rows |
|---|---|---:|---:|
| `mse` | (all) | null | 9 |
| `mse` | (missing) | 0.25 | 2 |
| `mse` | false | null | 3 |
| `mse` | true | 0.790909 | 4 |
| `rmse` | (all) | null | 9 |
| `rmse` | (missing) | 0.5 | 2 |
| `rmse` | false | null | 3 |
| `rmse` | true | 0.889331 | 4 |

> mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_bool=false: mse: the value is infinite (overflow or an impossible case); reported as null
>
> rmse: the value is infinite (overflow or an impossible case); reported as null
>
> g_bool=false: rmse: the value is infinite (overflow or an impossible case); reported as null

'''
    ),
    ('labels', 'csv'): _text(
        r'''
loss,spec,value,n,reduction,model,g_text,warning
mse,mse,,9,mean,predictions.parquet,,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,4.0,1,mean,predictions.parquet,(missing),
mse,mse,,1,mean,predictions.parquet,"""""",mse: the sample weights of these rows sum to zero; reported as null
mse,mse,,1,mean,predictions.parquet,"""(all)""",mse: the sample weights of these rows sum to zero; reported as null
mse,mse,,1,mean,predictions.parquet,Zebra,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,0.125,2,mean,predictions.parquet,"a,b",
mse,mse,0.25,1,mean,predictions.parquet,naïve ☃,
mse,mse,0.04642857142857142,2,mean,predictions.parquet,"say ""hi""",
mae,mae,1.176470588235294e+199,9,mean,predictions.parquet,,
mae,mae,2.0,1,mean,predictions.parquet,(missing),
mae,mae,,1,mean,predictions.parquet,"""""",mae: the sample weights of these rows sum to zero; reported as null
mae,mae,,1,mean,predictions.parquet,"""(all)""",mae: the sample weights of these rows sum to zero; reported as null
mae,mae,1e+200,1,mean,predictions.parquet,Zebra,
mae,mae,0.25,2,mean,predictions.parquet,"a,b",
mae,mae,0.5,1,mean,predictions.parquet,naïve ☃,
mae,mae,0.21428571428571427,2,mean,predictions.parquet,"say ""hi""",
'''
    ),
    ('labels', 'markdown'): _text(
        r'''
| Loss | g_text | Value | Rows |
|---|---|---:|---:|
| `mse` | (all) | null | 9 |
| `mse` | (missing) | 4 | 1 |
| `mse` | "" | null | 1 |
| `mse` | "(all)" | null | 1 |
| `mse` | Zebra | null | 1 |
| `mse` | a,b | 0.125 | 2 |
| `mse` | naïve ☃ | 0.25 | 1 |
| `mse` | say "hi" | 0.0464286 | 2 |
| `mae` | (all) | 1.17647e+199 | 9 |
| `mae` | (missing) | 2 | 1 |
| `mae` | "" | null | 1 |
| `mae` | "(all)" | null | 1 |
| `mae` | Zebra | 1e+200 | 1 |
| `mae` | a,b | 0.25 | 2 |
| `mae` | naïve ☃ | 0.5 | 1 |
| `mae` | say "hi" | 0.214286 | 2 |

> mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_text="": mse: the sample weights of these rows sum to zero; reported as null
>
> g_text="(all)": mse: the sample weights of these rows sum to zero; reported as null
>
> g_text=Zebra: mse: the value is infinite (overflow or an impossible case); reported as null
>
> g_text="": mae: the sample weights of these rows sum to zero; reported as null
>
> g_text="(all)": mae: the sample weights of these rows sum to zero; reported as null

'''
    ),
    ('compare', 'csv'): _text(
        r'''
loss,spec,model,g_bool,value,n,rank,best,warning
mse,mse,groups,,,9,2,false,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,other,,0.09027777777777778,9,1,true,
mse,mse,groups,(missing),0.145,2,2,false,
mse,mse,other,(missing),0.0,2,1,true,
mse,mse,groups,false,,3,2,false,mse: the value is infinite (overflow or an impossible case); reported as null
mse,mse,other,false,0.16666666666666666,3,1,true,
mse,mse,groups,true,1.0725,4,2,false,
mse,mse,other,true,0.078125,4,1,true,
mae,mae,groups,,1.1111111111111111e+199,9,2,false,
mae,mae,other,,0.19444444444444445,9,1,true,
mae,mae,groups,(missing),0.35,2,2,false,
mae,mae,other,(missing),0.0,2,1,true,
mae,mae,groups,false,3.3333333333333334e+199,3,2,false,
mae,mae,other,false,0.3333333333333333,3,1,true,
mae,mae,groups,true,0.675,4,2,false,
mae,mae,other,true,0.1875,4,1,true,
'''
    ),
    ('compare', 'markdown'): _text(
        r'''
| Loss | g_bool | groups | other |
|---|---|---:|---:|
| `mse` | (all) | null | **0.0902778** |
| `mse` | (missing) | 0.145 | **0** |
| `mse` | false | null | **0.166667** |
| `mse` | true | 1.0725 | **0.078125** |
| `mae` | (all) | 1.11111e+199 | **0.194444** |
| `mae` | (missing) | 0.35 | **0** |
| `mae` | false | 3.33333e+199 | **0.333333** |
| `mae` | true | 0.675 | **0.1875** |
| **Mean rank** |  | 2.00 | **1.00** |

Best overall: **other** (lowest mean rank; lower loss is better)

> groups: mse: the value is infinite (overflow or an impossible case); reported as null
>
> groups, g_bool=false: mse: the value is infinite (overflow or an impossible case); reported as null

'''
    ),
}
# The same rows read from CSV report what the Parquet file does, under the CSV file's name.
EXPECTED[("csv_int", "csv")] = EXPECTED[("int", "csv")].replace("groups.parquet", "groups.csv")
EXPECTED[("csv_int", "markdown")] = EXPECTED[("int", "markdown")]


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    _write_inputs(tmp_path)
    # Reports name the files as given: relative names, as when the texts were printed.
    monkeypatch.chdir(tmp_path)
    return tmp_path


# CHUNK 2: runs of rows written in bulk end at chunk boundaries and around
# every null value, as they do in a run of a million groups.
@pytest.mark.parametrize("chunk", [None, 2])
@pytest.mark.parametrize("case, fmt", list(EXPECTED))
def test_every_format_is_the_text_written_before(cli, inputs, monkeypatch, case, fmt, chunk):
    if chunk is not None:
        monkeypatch.setattr(losscli.render_groups, "CHUNK", chunk)
    result = cli(*CASES[case], "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == EXPECTED[(case, fmt)]


def test_a_report_written_to_a_file_a_piece_at_a_time_is_the_same_text(cli, inputs, monkeypatch):
    monkeypatch.setattr(losscli.output, "WRITE_CHUNK", 5)
    result = cli(*CASES["text"], "--format", "json", "--output", "report.json")
    assert result.exit_code == 0, result.stderr
    assert (inputs / "report.json").read_text(encoding="utf-8") == EXPECTED[("text", "json")]


def test_results_read_one_by_one_render_as_the_blocks_do(inputs):
    """The renderers of single results are the reference for the bulk ones."""
    from losscli.evaluation import Report, evaluate_file
    from losscli.io.plan import InputOptions
    from losscli.registry import parse_spec
    from losscli.render import csv_document, json_document, markdown_document

    options = InputOptions(predictions="groups.parquet", by="g_text", weight_col="w", role_cols={})
    report, _, _ = evaluate_file(options, [parse_spec("mse"), parse_spec("rmse")])
    assert any(not isinstance(part, type(report.results[0])) for part in report.results.parts)
    listed = Report(report.predictions, report.labels, report.rows, [r for r in report.results], report.notes)
    for document in (json_document, csv_document, markdown_document):
        assert document(report) == document(listed)


# ----------------------------------------------------------------------------- many groups

GROUPS = 200_000


@pytest.mark.parametrize("missing", [False, True], ids=["ints", "ints-with-missing"])
def test_two_hundred_thousand_groups_match_a_numpy_groupby(cli, tmp_path, missing):
    rng = np.random.default_rng(2024)
    # Every group at least once, then rows in random groups: uneven group sizes.
    g = np.concatenate([np.arange(GROUPS), rng.integers(0, GROUPS, 2 * GROUPS)]) * 7 - 1000
    rng.shuffle(g)
    y, p = rng.normal(size=len(g)), rng.normal(size=len(g))
    mask = (rng.random(len(g)) < 0.01) if missing else None
    table = pa.table({"g": pa.array(g, mask=mask), "y_true": y, "y_pred": p})
    # Several row groups: the sums of a group meet across batches.
    pq.write_table(table, tmp_path / "many.parquet", row_group_size=50_000)

    # The independent reference: numpy's unique and bincount, the missing group first.
    keys = np.where(mask, np.iinfo(np.int64).min, g) if missing else g
    distinct, codes = np.unique(keys, return_inverse=True)
    rows = np.bincount(codes)
    expected = {
        "mse": np.bincount(codes, weights=(p - y) ** 2) / rows,
        "mae": np.bincount(codes, weights=np.abs(p - y)) / rows,
    }
    shown = [str(v) for v in distinct.tolist()]
    if missing:
        shown[0] = "(missing)"

    written = cli("compute", tmp_path / "many.parquet", "--loss", "mse", "--loss", "mae", "--by", "g", "--format", "csv")
    assert written.exit_code == 0, written.stderr
    records = list(csv.DictReader(io.StringIO(written.stdout)))
    assert len(records) == 2 * (len(distinct) + 1)
    by_loss = {name: [r for r in records if r["loss"] == name] for name in expected}
    for name, values in expected.items():
        overall, *groups = by_loss[name]
        assert overall["g"] == "" and int(overall["n"]) == len(g)
        assert [r["g"] for r in groups] == shown
        assert [int(r["n"]) for r in groups] == rows.tolist()
        np.testing.assert_allclose([float(r["value"]) for r in groups], values, rtol=1e-12, atol=0)
        assert all(r["warning"] == "" for r in groups)

    # JSON holds the same values, written as repr writes them: equal to the CSV's to the last digit.
    document = cli("compute", tmp_path / "many.parquet", "--loss", "mse", "--loss", "mae", "--by", "g", "--format", "json")
    assert document.exit_code == 0, document.stderr
    results = json.loads(document.stdout)["results"]
    assert [(r["loss"], None if r["group"] is None else r["group"]["g"], r["value"], r["n"]) for r in results] == [
        (r["loss"], None if r["g"] == "" else (None if r["g"] == "(missing)" else int(r["g"])), float(r["value"]), int(r["n"]))
        for r in records
    ]


# ----------------------------------------------------------------------------- integer keys without a sort


def _first_seen_by_sorting(values):
    """The distinct values in the order first seen, and each row's position among them, by np.unique."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    position = np.empty(len(order), dtype=np.intp)
    position[order] = np.arange(len(order))
    return values[first[order]], position[inverse.reshape(-1)]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64])
def test_integer_keys_are_found_as_a_sort_finds_them(dtype):
    """The table indexed by value gives what np.unique gives, at the ends of
    every integer type and over ranges too wide for the table (a sort then)."""
    from losscli.group_keys import first_seen, sorted_unique

    info = np.iinfo(dtype)
    rng = np.random.default_rng(11)
    for width in (0, 3, 300, 100_000, 2**40):
        for low in (info.min, max(info.min, info.max - width), (info.min + info.max) // 2):
            high = min(info.max, low + width)
            values = rng.integers(low, high, 2000, endpoint=True, dtype=dtype)
            found, expected = first_seen(values), _first_seen_by_sorting(values)
            assert found[0].dtype == expected[0].dtype
            assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1])
            distinct, codes = sorted_unique(values)
            reference, inverse = np.unique(values, return_inverse=True)
            assert distinct.dtype == reference.dtype
            assert np.array_equal(distinct, reference) and np.array_equal(codes.reshape(-1), inverse.reshape(-1))


def _batches(rng, count, low, high, dtype=np.int64):
    """Distinct sorted group values and sums per batch, as the engine hands them over."""
    out = []
    for _ in range(count):
        values = np.unique(rng.integers(low, high, int(rng.integers(1, 400)))).astype(dtype)
        out.append((values, rng.normal(size=(len(values), 4))))
    return out


@pytest.mark.parametrize(
    "shape",
    ["random", "ascending", "descending", "too-wide-later", "another-type-later", "text-later"],
)
def test_integer_keys_summed_by_value_equal_the_waiting_batches_summed(monkeypatch, shape):
    """Sums kept in a table indexed by value are the sums of the waiting
    batches, to the last bit and in the same key order, whatever the batches
    hold next (a range that grows either way, one too wide, another type)."""
    from losscli.group_keys import KeyedTotals, RowKeys

    rng = np.random.default_rng(7)
    if shape == "random":
        batches = _batches(rng, 30, -500, 500)
    elif shape in ("ascending", "descending"):
        batches = [b for start in range(0, 30_000, 1000) for b in _batches(rng, 1, start, start + 1500)]
        batches = batches if shape == "ascending" else [(-values[::-1], stats) for values, stats in batches]
    elif shape == "too-wide-later":
        batches = _batches(rng, 10, 0, 300) + _batches(rng, 2, 0, 2**50) + _batches(rng, 10, 0, 300)
    elif shape == "another-type-later":
        batches = _batches(rng, 10, 0, 300) + _batches(rng, 3, 0, 300, np.int32) + _batches(rng, 3, 0, 300)
    else:
        batches = _batches(rng, 10, 0, 300) + [(np.array(["a", "b"]), rng.normal(size=(2, 4)))]

    def summed(by_value: bool):
        totals = KeyedTotals()
        if not by_value:
            monkeypatch.setattr(totals, "_add_by_value", lambda values, stats: False)
        for values, stats in batches:
            totals.add_rows(RowKeys(codes=None, values=values), stats)
        grouped = totals.group_values_and_table()
        if grouped is None:
            keys, table = totals.keys_and_table()
            return keys, table.tobytes()
        # The overall value adds the rows in the order their layout gives.
        table = grouped[1]
        return grouped[0].dtype, grouped[0].tolist(), table.tobytes(), table.flags.c_contiguous, table.sum(axis=0).tobytes()

    assert summed(True) == summed(False)
