"""GS1 traceability labels for crates, cases and pallets: data, templates, renderers, printers.

Import the submodule you need: ``labels.gs1`` and ``labels.voice_pick`` are pure and light;
rendering (``labels.render_image``, ``labels.render_zpl``, ``labels.formats``) pulls in
Pillow, python-barcode, segno and zint. ``docs/labels/README.md`` describes the whole.
"""
