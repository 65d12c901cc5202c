"""Background jobs (Huey): they call domain functions and never import socialhub.state."""
