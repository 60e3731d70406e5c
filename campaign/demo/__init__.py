"""Demo content for `campaign demo`: the #HumansAgainstTorture campaign, its petitions and
supporters, and statements.

May import anything below the blueprints; nothing imports it but the command line.
"""
