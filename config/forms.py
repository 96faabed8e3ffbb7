"""Form bases shared by the apps' pages."""

from django import forms


class FilterForm(forms.Form):
    """A list page's filters from its query string. :meth:`filters` are the selector's keyword
    arguments: :meth:`filters_of` the valid values, ``UNFILTERED`` when they do not validate."""

    UNFILTERED: dict = {}

    def filters(self):
        if not self.is_valid():
            return dict(self.UNFILTERED)
        return self.filters_of(self.cleaned_data)

    def filters_of(self, data):
        raise NotImplementedError
