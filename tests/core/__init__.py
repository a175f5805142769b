"""The pure core beside search: did-you-mean, related, featured, the schedule rules."""
