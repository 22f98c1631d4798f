using System.Net;
using System.Net.Sockets;

namespace Groundwork.Tests;

public static class LoopbackPort
{
    /// <summary>A loopback port nothing listens on at the moment of the call (the system picks it, then it is released).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
