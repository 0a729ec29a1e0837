"""Distribution scheduling: orders, allocation of stock to orders, and truck plans.

The pieces, in the order a planning day uses them:

* ``orders``: partner orders, staple deliveries to villages, village pickups; CSV import and
  the standing weekly plan.
* ``allocation``: hub stock lots to partner orders by FEFO and grade rules (no solver).
* ``routing``: the day's consignments, fleet, hub and travel model turned into one
  solver-independent integer problem, with the checks that can be made before solving.
* ``pyvrp_solver``: the only module that imports PyVRP; turns a problem into a ``Plan``.
* ``plan``: the dispatch output: trips, pick lists, SVG maps.
* ``check``: an independent checker that every plan passes before anyone sees it.
* ``batu``: the Kota Batu fixture (hub, 24 cooperatives, fleet, a week of orders).
* ``setup``: the hub's distribution settings (a file in the fixture's format).
* ``day``: a planning day from the hub's records (orders, stock lines, lots at stations).
* ``stored``: plans as JSON documents and back, as the hub keeps them.
* ``delivery_note`` and ``pdf``: pallets and the delivery-note PDF.
* ``handover``: what a partner took at the door, and the stock moves of the rest.
* ``solomon``: Solomon VRPTW instances and their best-known solutions, for tests and benchmarks.
* ``messages`` (words an operator reads, by key, in Indonesian and English) and ``errors``
  (the package's exception tree).

Nothing here imports the database layer or the web framework: the hub's services
(``hub.services.distribution``) load these plain dataclasses from the database.
"""
