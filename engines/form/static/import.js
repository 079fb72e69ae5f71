// The import job page: while the job runs, poll its JSON status and show the progress; reload when it ends.
(() => {
  const panel = document.querySelector("[data-import-status]");
  if (!panel || panel.dataset.busy !== "1") return;
  const tick = async () => {
    let job;
    try {
      const resp = await fetch(panel.dataset.importStatus, {headers: {Accept: "application/json"}});
      job = await resp.json();
    } catch (e) { setTimeout(tick, 2000); return; }
    const bar = panel.querySelector("[data-k=bar]");
    if (job.total) bar.max = job.total;
    bar.value = job.processed;
    panel.querySelector("[data-k=processed]").textContent = job.processed;
    if (job.status === "checking" || job.status === "running") setTimeout(tick, 1000);
    else location.reload();
  };
  setTimeout(tick, 1000);
})();
