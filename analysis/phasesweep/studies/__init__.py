"""Studies on top of the readers: boundaries (phase boundaries as level sets, offsets from
the paper's lines), finite_size (their drift with d), teacher (the teacher's own stable
rank, the rank panel's reference)."""
