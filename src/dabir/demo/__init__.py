"""The realistic Persian demo (`dabir demo`): Khuzestan agencies, people and letters in every state."""
