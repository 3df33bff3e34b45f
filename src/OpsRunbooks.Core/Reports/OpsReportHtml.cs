using System.Globalization;
using System.Net;
using System.Text;
using OpsRunbooks.Backup;

namespace OpsRunbooks.Reports;

/// <summary>
/// The operations report as one self-contained HTML page: inline CSS and inline SVG charts, no script, no
/// external resource of any kind, so it can be mailed, archived or opened offline; the layout narrows to one
/// column on a phone.
/// </summary>
public static class OpsReportHtml
{
    private const string Style = """
        :root { color-scheme: light; --ok: #1b7f3b; --warn: #a46200; --crit: #b3261e; --muted: #5f6368; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #202124; background: #f6f7f9; }
        header, main { max-width: 1100px; margin: 0 auto; padding: 12px 16px; }
        header h1 { font-size: 1.4em; margin: 8px 0 2px; }
        header p { margin: 2px 0; color: var(--muted); }
        section.database { background: #fff; border: 1px solid #dadce0; border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
        h2 { font-size: 1.15em; margin: 4px 0 8px; overflow-wrap: anywhere; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff1; vertical-align: top; }
        th { font-weight: 600; color: var(--muted); white-space: nowrap; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: .9em; }
        .Healthy, .Steady, .Faster { background: var(--ok); }
        .Warning, .Slower, .Unknown { background: var(--warn); }
        .Critical, .Never { background: var(--crit); }
        ul.reasons { margin: 4px 0 8px; padding-left: 20px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; margin-top: 8px; }
        svg.chart { width: 100%; height: auto; background: #fbfbfc; border: 1px solid #eceff1; border-radius: 6px; }
        svg .axis { stroke: #9aa0a6; stroke-width: 1; }
        svg .series { fill: none; stroke: #1a73e8; stroke-width: 2; }
        svg .point { fill: #1a73e8; }
        svg .tick, svg .chart-empty { font: 15px system-ui, sans-serif; fill: #5f6368; }
        svg .chart-title { font: 600 18px system-ui, sans-serif; fill: #202124; }
        details { margin-top: 8px; }
        @media (max-width: 600px) {
          body { font-size: 14px; } th, td { padding: 3px 5px; } .charts { grid-template-columns: 1fr; }
          table.facts, table.facts tbody, table.facts tr, table.facts th, table.facts td { display: block; }
          table.facts th { border-bottom: none; padding-top: 6px; } table.facts td.num { text-align: left; }
        }
        """;

    public static string Render(OpsReport report)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Operations report: {E(report.Environment)}</title>
            <style>
            {Style}
            </style>
            </head>
            <body>
            <header>
            <h1>Operations report: {E(report.Environment)}</h1>
            <p>Generated {report.GeneratedUtc:yyyy-MM-dd HH:mm} UTC &middot; {report.Databases.Count} databases &middot; store {E(report.StoreLocation)}</p>
            </header>
            <main>
            <section class="summary">
            <div class="table-wrap"><table id="summary">
            <thead><tr><th>Database</th><th>Freshness</th><th>Newest backup</th><th>Size</th><th>Last proven restorable</th><th>Restore time</th><th>Trend</th></tr></thead>
            <tbody>

            """);
        foreach (var database in report.Databases)
        {
            var f = database.Freshness;
            var e = database.Evidence;
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-database="{E(database.Database)}"><td><a href="#{Anchor(database.Database)}">{E(database.Database)}</a></td><td><span class="status {f.Status}">{f.Status}</span></td><td>{Age(f.Age)}</td><td class="num">{Bytes(f.NewestBytes)}</td><td>{Proven(e)}</td><td class="num">{Duration(e.RestoreTime)}</td><td>{TrendBadge(e)}</td></tr>

                """);
        }
        html.Append("</tbody></table></div>\n</section>\n");
        foreach (var database in report.Databases)
            AppendDatabase(html, database);
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendDatabase(StringBuilder html, DatabaseReport database)
    {
        var f = database.Freshness;
        var e = database.Evidence;
        html.Append(CultureInfo.InvariantCulture, $"""
            <section class="database" id="{Anchor(database.Database)}" data-database="{E(database.Database)}">
            <h2>{E(database.Database)} <span class="status {f.Status}">{f.Status}</span></h2>

            """);
        if (f.Reasons.Length > 0)
            html.Append("<ul class=\"reasons\">").AppendJoin("", f.Reasons.Select(r => $"<li>{E(r)}</li>")).Append("</ul>\n");
        html.Append(CultureInfo.InvariantCulture, $"""
            <div class="table-wrap"><table class="facts">
            <tr><th>Backups in the store</th><td class="num">{f.Count}</td><th>Total size</th><td class="num">{Bytes(f.TotalBytes)}</td></tr>
            <tr><th>Newest backup</th><td>{(f.NewestFinishedUtc is { } newest ? $"{newest:yyyy-MM-dd HH:mm} UTC" : "none")}</td><th>Median size</th><td class="num">{Bytes(f.MedianBytes)}</td></tr>
            <tr><th>Last proven restorable</th><td>{Proven(e)}</td><th>Failures since</th><td class="num">{e.FailuresSince}{(e.LastFailureErrorId is { } id ? $" ({E(id)})" : "")}</td></tr>
            <tr><th>Restore time now</th><td class="num">{Duration(e.RestoreTime)}</td><th>Trend (median of {e.TrendWindow} vs {e.TrendWindow} before)</th><td>{TrendBadge(e)} {Duration(e.RecentMedian)} vs {Duration(e.PreviousMedian)}</td></tr>
            </table></div>
            <div class="charts">

            """);
        var backups = database.Backups;
        html.Append(SvgChart.Line("backup-size", "Backup size", [.. backups.Select(b => (b.StartedUtc, (double)b.StoredBytes))], "stored", v => Bytes((long)v)));
        html.Append('\n');
        html.Append(SvgChart.Line("backup-duration", "Backup duration", [.. backups.Select(b => (b.StartedUtc, b.Duration.TotalSeconds))], "took", v => Duration(TimeSpan.FromSeconds(v))));
        html.Append('\n');
        html.Append(SvgChart.Line("restore-time", "Restore time (tests, drills, restores)", [.. e.History.Select(s => (s.FinishedUtc, s.RestoreTime.TotalSeconds))], "restored in", v => Duration(TimeSpan.FromSeconds(v))));
        html.Append("\n</div>\n");
        if (backups.Count > 0)
        {
            html.Append("<details><summary>Backups</summary><div class=\"table-wrap\"><table><thead><tr><th>Started (UTC)</th><th>Id</th><th>Size</th><th>Duration</th></tr></thead><tbody>\n");
            foreach (var backup in backups.Reverse())
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{backup.StartedUtc:yyyy-MM-dd HH:mm}</td><td>{E(backup.Id)}</td><td class=\"num\">{Bytes(backup.StoredBytes)}</td><td class=\"num\">{Duration(backup.Duration)}</td></tr>\n");
            }
            html.Append("</tbody></table></div></details>\n");
        }
        html.Append("</section>\n");
    }

    private static string Proven(RestoreEvidence e) => e.LastProvenUtc is { } proven
        ? $"{proven:yyyy-MM-dd HH:mm} UTC ({Age(e.LastProvenAge)} ago, {E(e.LastProvenBy ?? "")})"
        : "<span class=\"status Never\">never</span>";

    private static string TrendBadge(RestoreEvidence e) =>
        $"<span class=\"status {e.Trend}\">{e.Trend}{(e.TrendPercent is { } p ? string.Create(CultureInfo.InvariantCulture, $" {p:+0.#;-0.#;0}%") : "")}</span>";

    private static string Anchor(string database) => "db-" + Uri.EscapeDataString(database).Replace('%', '_');

    private static string E(string text) => WebUtility.HtmlEncode(text);

    internal static string Bytes(long? bytes) => bytes switch
    {
        null => "",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1073741824.0:0.##} GiB"),
    };

    internal static string Duration(TimeSpan? duration) => duration switch
    {
        null => "",
        { TotalSeconds: < 60 } d => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.#} s"),
        { TotalHours: < 1 } d => $"{(int)d.TotalMinutes} min {d.Seconds} s",
        { } d => $"{(int)d.TotalHours} h {d.Minutes} min",
    };

    private static string Age(TimeSpan? age) => age switch
    {
        null => "none",
        { TotalHours: < 1 } a => $"{(int)a.TotalMinutes} min",
        { TotalDays: < 2 } a => $"{(int)a.TotalHours} h",
        { } a => $"{(int)a.TotalDays} d",
    };
}
