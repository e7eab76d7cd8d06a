"""NEAT, topology evolution with innovation numbers and species (Stanley and Miikkulainen
2002), in its steady-state form (rtNEAT, Stanley et al. 2005), over the genome space.

Genomes start minimal (the stem and the readout, each with one mutation) and complexify by
mutation (:mod:`graphnas.spaces.genome_mutations`: split an edge, add a branch, an edge or a
memory link, change an op, width, merge or gate, remove a gene); every new gene is numbered
once for the whole run, so crossover aligns two genomes by number (:mod:`.neat_genes`). A told
genome joins the first species whose representative (its best member) is within the
compatibility ``threshold``, else founds one; the threshold moves by 5% per tell toward
``species`` species. A child comes from a species drawn in proportion to its members' shared
fitness (rank in the population, divided by the species' size), from the top ``survival``
share of it: a crossover of two of them with probability ``crossover``, else a mutation of
one (a crossover is then mutated too, with probability ``mutate_after``). When more than
``population`` genomes are alive, the one with the lowest shared fitness dies (failed trials
first, never a species' best: elitism); a species whose best has not improved for
``stagnation`` tells dies out, unless it holds the best genome. Weights are trained by the
driver, never evolved; with ``inherit_weights`` a child starts from its (fitter) parent's
trained weights, trains ``inherit_steps`` of a trial's steps, and a split or a branch keeps the
parent's function at its first step (a network morphism, see :mod:`graphnas.nn.inherit`).
Asks do not wait for tells, so any number of workers stay busy; one objective only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphnas.graph import Graph, from_json
from graphnas.spaces.base import Candidate, Space
from graphnas.spaces.genome_mutations import Innovations

from .base import Score, Strategy
from .neat_genes import crossover, distance


class NEAT(Strategy):
    name = "neat"
    open_ended = True
    genome_only = True

    def __init__(self, space: Space, seed: int = 0, population: int = 20, species: int = 4,
                 threshold: float = 1.0, survival: float = 0.5, crossover: float = 0.5,
                 mutate_after: float = 0.8, stagnation: int = 60, initial_mutations: int = 1,
                 inherit_weights: bool = False, inherit_steps: float = 0.3) -> None:
        super().__init__(space, seed)
        if not hasattr(space, "minimal"):
            raise ValueError(f"neat evolves genomes and cannot search the {space.name!r} space: "
                             f"use --space genome")
        if population < 2 or species < 1 or threshold <= 0 or not 0 < survival <= 1 \
                or not 0 < inherit_steps <= 1:
            raise ValueError("neat needs population >= 2, species >= 1, threshold > 0, "
                             "0 < survival <= 1 and 0 < inherit_steps <= 1")
        self.size, self.target, self.threshold = population, species, threshold
        self.survival, self.p_cross, self.p_mutate = survival, crossover, mutate_after
        self.stagnation, self.initial_mutations = stagnation, initial_mutations
        self.inherit_weights, self.inherit_steps = inherit_weights, inherit_steps
        self.innovations = Innovations()
        self.mutate = space.mutator(self.innovations)
        self.members: list[list] = []  # [graph, score, species id, hash]
        self.species: dict[int, dict[str, Any]] = {}  # id -> rep (graph), best, improved
        self.asked = self.told = self.next_species = 0

    # -- ask -----------------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Candidate]:
        return [self._one() for _ in range(n)]

    def _one(self) -> Candidate:
        self.asked += 1
        scored = [m for m in self.members if m[1] is not None]
        if self.asked <= self.size or not scored:
            g = self.space.minimal(self.rng)
            for _ in range(self.initial_mutations):
                g = self.mutate(g, self.rng).graph
            return self.space.candidate(self.space.encode(g))
        pool = self._parents(self._pick_species())
        parent = pool[int(self.rng.integers(len(pool)))]
        if len(pool) > 1 and self.rng.random() < self.p_cross:
            i, j = self.rng.choice(len(pool), 2, replace=False)
            a, b = sorted((pool[int(i)], pool[int(j)]), key=lambda m: -m[1])
            parent, g = a, crossover(a[0], b[0], self.rng, self.space.check)
            if self.rng.random() >= self.p_mutate:
                return self.space.child(g, parent[0])
        else:
            g = parent[0]
        child = self.mutate(g, self.rng)
        return self.space.child(child.graph, parent[0], child.identity, child.zero)

    def _fitness(self) -> dict[int, float]:
        """Shared fitness by member index: its score's rank in the population (0 to 1], over
        its species' size; 0 for a failed trial."""
        scored = sorted((m[1], i) for i, m in enumerate(self.members) if m[1] is not None)
        rank = {i: (r + 1) / len(scored) for r, (_, i) in enumerate(scored)}
        sizes = {s: sum(m[2] == s for m in self.members) for s in self.species}
        return {i: rank.get(i, 0.0) / sizes[m[2]] for i, m in enumerate(self.members)}

    def _pick_species(self) -> int:
        fit = self._fitness()
        ids = sorted(self.species)
        total = np.array([sum(f for i, f in fit.items() if self.members[i][2] == s)
                          for s in ids])
        if total.sum() <= 0:
            return ids[int(self.rng.integers(len(ids)))]
        return ids[int(self.rng.choice(len(ids), p=total / total.sum()))]

    def _parents(self, species: int) -> list[list]:
        ranked = sorted((m for m in self.members if m[2] == species and m[1] is not None),
                        key=lambda m: -m[1])
        if not ranked:
            ranked = [max((m for m in self.members if m[1] is not None), key=lambda m: m[1])]
        return ranked[:max(1, int(round(len(ranked) * self.survival)))]

    # -- tell ----------------------------------------------------------------------------------
    def tell(self, candidate: Candidate, score: Score) -> None:
        self.told += 1
        g = candidate.arch
        s = next((k for k in sorted(self.species)
                  if distance(g, self.species[k]["rep"], self.innovations) < self.threshold),
                 None)
        if s is None:
            s, self.next_species = self.next_species, self.next_species + 1
            self.species[s] = {"rep": g, "best": None, "improved": self.told}
        self.members.append([g, score, s, candidate.hash])
        self._scored(s, g, score)
        self._cull()
        n = len(self.species)
        if n != self.target:
            self.threshold *= 1.05 if n > self.target else 0.95

    def tell_fidelity(self, candidate: Candidate, score: Score, rung: int) -> None:
        """A promoted genome's longer-trained score replaces its first one."""
        for m in reversed(self.members):
            if m[3] == candidate.hash:
                m[1] = score
                self._scored(m[2], m[0], score)
                return

    def _scored(self, s: int, g: Graph, score: Score) -> None:
        sp = self.species[s]
        if score is not None and (sp["best"] is None or score > sp["best"]):
            sp.update(best=score, improved=self.told, rep=g)

    def _cull(self) -> None:
        """Drop stagnant species, then the least fit members beyond the population size."""
        best = max((m for m in self.members if m[1] is not None), key=lambda m: m[1],
                   default=None)
        for s in list(self.species):
            if self.told - self.species[s]["improved"] > self.stagnation and len(
                    self.species) > 1 and (best is None or best[2] != s):
                del self.species[s]
                self.members = [m for m in self.members if m[2] != s]
        while len(self.members) > self.size:
            fit = self._fitness()
            elite = {id(max((m for m in self.members if m[2] == s),
                            key=lambda m: -np.inf if m[1] is None else m[1]))
                     for s in self.species}
            order = sorted(range(len(self.members)), key=lambda i: (fit[i], i))
            weakest = next((i for i in order if id(self.members[i]) not in elite), order[0])
            del self.members[weakest]
        alive = {m[2] for m in self.members}
        self.species = {s: v for s, v in self.species.items() if s in alive}

    def inheritable(self) -> set[str]:
        """The hashes of the genomes that may still be parents."""
        return {m[3] for m in self.members}

    # -- state ---------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "asked": self.asked, "told": self.told,
                "threshold": self.threshold, "next_species": self.next_species,
                "innovations": self.innovations.state_dict(),
                "members": [[g.to_json(None), s, k, h] for g, s, k, h in self.members],
                "species": {str(k): {**v, "rep": v["rep"].to_json(None)}
                            for k, v in self.species.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.asked, self.told = state["asked"], state["told"]
        self.threshold, self.next_species = state["threshold"], state["next_species"]
        self.innovations.load_state_dict(state["innovations"])
        self.members = [[from_json(g), s, k, h] for g, s, k, h in state["members"]]
        self.species = {int(k): {**v, "rep": from_json(v["rep"])}
                        for k, v in state["species"].items()}
