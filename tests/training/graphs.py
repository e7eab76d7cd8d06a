"""Small graphs the training tests share."""

from graphnas.graph import Edge, Graph, Node

# dropout and batch norm on flattened inputs: state beyond the weights (the dropout generator,
# the running statistics) that continuation and precise BN must handle
BN_NET = Graph(inputs=("x",),
               nodes=(Node("flat", "flatten"), Node("fc", "linear", {"width": 32}),
                      Node("bn", "batch_norm"), Node("act", "relu"),
                      Node("drop", "dropout", {"p": 0.3})),
               edges=(Edge("x", "flat"), Edge("flat", "fc"), Edge("fc", "bn"),
                      Edge("bn", "act"), Edge("act", "drop")),
               output="drop")
