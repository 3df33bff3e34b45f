using System.Globalization;
using System.Net;
using System.Text;

namespace OpsRunbooks.Reports;

/// <summary>
/// A small line chart of values over time as inline SVG: scaled to its container's width by its viewBox, so it
/// needs no script, no font files and no network, and stays readable on a phone.
/// </summary>
public static class SvgChart
{
    private const int Width = 600, Height = 240, Left = 84, Right = 16, Top = 36, Bottom = 44;

    /// <param name="kind">A name for the chart's kind (backup-size, restore-time), as data-chart, for tests and styles.</param>
    /// <param name="label">What a value is, for the label of the axis and of each point.</param>
    /// <param name="format">How a value is written (bytes, a duration).</param>
    public static string Line(string kind, string title, IReadOnlyList<(DateTime At, double Value)> points, string label, Func<double, string> format)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" data-chart=\"{kind}\" data-points=\"{points.Count}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Encode(title)}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Encode(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"22\" class=\"chart-title\">{Encode(title)}</text>");
        if (points.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" class=\"chart-empty\">nothing recorded yet</text></svg>");
            return svg.ToString();
        }
        var start = points.Min(p => p.At);
        var end = points.Max(p => p.At);
        var span = Math.Max((end - start).TotalSeconds, 1);
        var top = points.Max(p => p.Value);
        top = top <= 0 ? 1 : top * 1.1;
        double X(DateTime at) => points.Count == 1 ? Left + (Width - Left - Right) / 2.0 : Left + (at - start).TotalSeconds / span * (Width - Left - Right);
        double Y(double value) => Top + (1 - value / top) * (Height - Top - Bottom);

        // Axes, with the scale's top, the first and the last time.
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" class=\"axis\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" class=\"axis\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Top + 4}\" text-anchor=\"end\" class=\"tick\">{Encode(format(top))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Height - Bottom}\" text-anchor=\"end\" class=\"tick\">0</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 12}\" class=\"tick\">{start:yyyy-MM-dd HH:mm}</text>");
        if (points.Count > 1)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 12}\" text-anchor=\"end\" class=\"tick\">{end:yyyy-MM-dd HH:mm}</text>");

        var ordered = points.OrderBy(p => p.At).ToList();
        if (ordered.Count > 1)
        {
            svg.Append("<polyline class=\"series\" points=\"");
            svg.AppendJoin(' ', ordered.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.At):0.#},{Y(p.Value):0.#}")));
            svg.Append("\"/>");
        }
        foreach (var point in ordered)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<circle class=\"point\" cx=\"{X(point.At):0.#}\" cy=\"{Y(point.Value):0.#}\" r=\"3.5\"><title>{point.At:yyyy-MM-dd HH:mm} UTC: {Encode(label)} {Encode(format(point.Value))}</title></circle>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
