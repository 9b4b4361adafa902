"""An `__in` lookup on integer columns that leaves out numbers no such column can hold.

Django drops an out-of-range number from `=`, `<` and `>` on an integer column
(IntegerFieldOverflow) but not from `__in`: SQLite's driver then raises OverflowError for a
number past 64 bits, a 500 where a tampered form deserves an ordinary answer (the admin's
editable lists look up `form-0-id=99999999999999999999` with `pk__in`; the fuzz test found it).
Such a number matches no row, so it is left out; with nothing left the lookup matches nothing,
as an empty `__in` does.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            internal_type = self.lhs.output_field.get_internal_type()
            low, high = connection.ops.integer_field_range(internal_type)
            self.rhs = [value for value in self.rhs if not _outside(value, low, high)]
        return super().process_rhs(compiler, connection)


def _outside(value, low: int | None, high: int | None) -> bool:
    return isinstance(value, int) and (
        (low is not None and value < low) or (high is not None and value > high)
    )


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
