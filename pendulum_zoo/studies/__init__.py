"""Studies: experiments that combine the layers below (training, the protocol, the zoo) and write their data,
figures and commentary into ``evaluation/``: the input reports of the zoo (inputs.py), the lottery-ticket study
(tickets.py)."""
