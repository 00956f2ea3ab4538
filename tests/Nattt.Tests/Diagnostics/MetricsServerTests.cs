using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Nattt.Diagnostics;
using Xunit;

namespace Nattt.Tests.Diagnostics;

public sealed class MetricsServerTests
{
    private static async Task<string> Request(IPEndPoint server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var read = reader.ReadToEndAsync();
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
        return await read;
    }

    [Fact]
    public async Task GetMetrics_ReturnsThePageWithTheExpositionContentType()
    {
        var calls = 0;
        await using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), () => $"nattt_flows{{role=\"box\"}} {++calls}\n",
            NullLogger.Instance);
        var first = await Request(server.LocalEndPoint, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        var second = await Request(server.LocalEndPoint, "GET /metrics HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", first);
        Assert.Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", first);
        Assert.EndsWith("\r\n\r\nnattt_flows{role=\"box\"} 1\n", first);
        Assert.EndsWith("nattt_flows{role=\"box\"} 2\n", second); // rendered per scrape
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "404")]
    [InlineData("POST /metrics HTTP/1.1\r\n\r\n", "405")]
    [InlineData("garbage\r\n\r\n", "400")]
    public async Task OtherRequests_GetAnErrorStatus(string request, string status)
    {
        await using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), () => "x\n", NullLogger.Instance);
        var response = await Request(server.LocalEndPoint, request);
        Assert.StartsWith($"HTTP/1.1 {status} ", response);
    }

    [Fact]
    public async Task OversizedRequestHead_IsClosedWithoutAnAnswer_ServerKeepsServing()
    {
        await using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), () => "x\n", NullLogger.Instance);
        var huge = "GET /metrics HTTP/1.1\r\nX: " + new string('a', MetricsServer.MaxRequestBytes) + "\r\n\r\n";
        string response;
        try { response = await Request(server.LocalEndPoint, huge); }
        catch (IOException) { response = ""; } // a reset while we were still writing is also "no answer"
        Assert.Equal("", response);
        Assert.StartsWith("HTTP/1.1 200 OK", await Request(server.LocalEndPoint, "GET /metrics HTTP/1.1\r\n\r\n"));
    }
}
